import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from './search-attributes';

/** gRPC status code 12. */
const GRPC_UNIMPLEMENTED = 12;

const INDEXED_TYPE = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
} as const;

/**
 * Registers billflow's search attributes on a namespace that lacks them: a real cluster, Temporal
 * Cloud aside (register them there in the Cloud UI), or the time-skipping test server. The dev
 * server of `npm start` gets them on its command line instead.
 */
export async function registerSearchAttributes(
  connection: { operatorService: temporal.api.operatorservice.v1.OperatorService },
  namespace: string,
): Promise<string[]> {
  // The time-skipping test server implements adding search attributes but not listing them.
  const existing = await connection.operatorService.listSearchAttributes({ namespace }).then(
    (response) => response.customAttributes ?? {},
    (error: { code?: number }) => {
      if (error.code === GRPC_UNIMPLEMENTED) return {};
      throw error;
    },
  );
  const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in existing));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPE[key.type]])),
  });
  return missing.map((key) => key.name);
}
