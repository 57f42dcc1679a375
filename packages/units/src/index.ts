export { UnitsError, unwrap, type Parsed, type UnitsErrorCode, type UnitsIssue } from './errors';
export {
  ExactDecimal,
  MAX_ASSET_DECIMALS,
  MAX_BOOK_UNITS,
  MAX_DECIMAL_LENGTH,
  MAX_MINOR_DIGITS,
  formatScaled,
  parseDecimal,
} from './decimal';
export { assertAssetSpec, formatAmount, parseAmount, type AssetSpec } from './amount';
export { compileMarket, type Market, type MarketSpec } from './market';
