export { startGateway, type Gateway, type GatewayOptions } from './gateway';
export { gatewayConfigSchema, loadGatewayConfig, type GatewayConfig } from './config';
export { ApiKeyStore } from './auth/api-keys';
export { ERROR_STATUS, ApiError, type ErrorCode } from './errors';
export type { AccountsBackend } from './admin/accounts-backend';
