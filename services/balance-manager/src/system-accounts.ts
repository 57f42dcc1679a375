/** Accounts created by migration 201. Negative, so no command (positive account ids) can use them. */
export const FEE_ACCOUNT_ID = -1;
/** The world outside: deposits come from it, withdrawals go to it. It has ledger entries, no balance row. */
export const EXTERNAL_ACCOUNT_ID = -2;
