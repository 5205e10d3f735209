/** Batches: one template sent to many recipients, created from streamed files and run by leased runners. */
export { createBatch, resolveBatchProvider, type CreateBatchRequest, type CreateBatchResult, type RecipientsSource } from './create.js';
export { runInForeground, type ForegroundOptions } from './foreground.js';
export { batchRunnerFor, batchServiceFor, batchStoreFor, startBatchRunnerRole } from './role.js';
export { BatchRunner, type BatchRunnerOptions, type RunnerEvent } from './runner/batch-runner.js';
export type { RunEnd } from './runner/execution.js';
export { BatchService, MAX_ITEM_PAGE, type CreatedBatch, type ItemPage, type ItemPageQuery } from './service.js';
export { SqlBatchStore } from './sql-batch-store.js';
export type { BatchStore } from './store.js';
export { BATCH_STATUSES, ITEM_STATUSES, type BatchStatus, type ItemStatus, type PauseReason } from './types.js';
export type { BatchItemView, BatchView } from './view.js';
export { detectRecipientsFormat, type RecipientsFormat, type RowError } from './recipients/index.js';
