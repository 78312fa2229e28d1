/**
 * The Transaction Tokens profile (draft-ietf-oauth-transaction-tokens), gathered so core's index
 * names it in one line.
 */
export { runInTransaction } from './run-in-transaction.js';
export {
  type SelfSignedSubjectOptions,
  selfSignedSubjectToken,
  unsignedJsonSubjectToken,
} from './subject-token.js';
export {
  createTtsClient,
  type IssuedTxnToken,
  SUBJECT_TOKEN_TYPES,
  TOKEN_EXCHANGE_GRANT,
  TokenServiceError,
  type TtsClient,
  type TtsClientAuth,
  type TtsClientOptions,
  TXN_TOKEN_TYPE_URN,
  type TxnTokenExchange,
} from './tts-client.js';
export {
  TXN_TOKEN_HEADER,
  TXN_TOKEN_TYPE,
  type TxnTokenClaims,
  type TxnTokenCodec,
  type TxnTokenCodecOptions,
  txnTokenCodec,
} from './txn-token-codec.js';
export {
  publicTxnTokenJwk,
  TXN_TOKEN_ALGORITHMS,
  type TxnTokenAlgorithm,
  type TxnTokenKey,
} from './txn-token-keys.js';
export {
  narrowScope,
  type TxnTokenMinter,
  type TxnTokenMinterOptions,
  type TxnTokenRequest,
  txnTokenMinter,
} from './txn-token-minter.js';
