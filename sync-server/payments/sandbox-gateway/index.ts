/** Anti-corruption layer for the sandbox card gateway: raw types stay in this folder. */
export { SandboxGatewayService } from './sandbox-gateway.service';
export { SandboxGatewayAdapter } from './sandbox-gateway.adapter';
export type { SandboxFaults } from './sandbox-gateway.raw';
export {
  SqliteSandboxLedger,
  type AuthorizationStatus,
  type LedgerAnswer,
  type SandboxLedger,
  type SandboxLedgerTx,
} from './sandbox-ledger';
