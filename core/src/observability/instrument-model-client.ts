import type { Logger } from 'pino';
import type { ModelClient } from '../llm/index.js';
import type { HostMetrics } from './create-metrics.js';
import { recordModelResult, withModelCallSpan } from './gen-ai-spans.js';
import { markSpanFailed } from './with-span.js';

/**
 * Wraps the model adapter so every call gets a GenAI client span (model, token counts, finish
 * reason), RED metrics by model and, at debug level, one log line per call. That line carries the
 * newest prompt message and the completion under `prompt`/`completion`, which the logger replaces
 * with their length unless the operator opted in (LOG_CONTENT=true). The adapter stays free of telemetry.
 */
export function instrumentModelClient(model: ModelClient, metrics: HostMetrics, logger?: Pick<Logger, 'debug' | 'isLevelEnabled'>): ModelClient {
  if (!model.isConfigured || model.model === undefined) return model;
  const requestModel = model.model;
  return {
    isConfigured: model.isConfigured,
    model: model.model,
    tokenCounter: model.tokenCounter,
    complete: (request, options) =>
      withModelCallSpan({ system: 'openai', model: requestModel, operation: 'chat' }, async (span) => {
        const startedAt = performance.now();
        try {
          const completion = await model.complete(request, options);
          recordModelResult(span, {
            inputTokens: completion.usage?.promptTokens,
            outputTokens: completion.usage?.completionTokens,
            finishReasons: completion.finishReason === null ? [] : [completion.finishReason],
            responseModel: completion.model,
          });
          metrics.modelRequests.inc({ model: requestModel, outcome: 'ok' });
          if (logger?.isLevelEnabled('debug')) {
            logger.debug(
              {
                purpose: request.purpose,
                model: requestModel,
                finishReason: completion.finishReason,
                usage: completion.usage,
                durationMs: Math.round(performance.now() - startedAt),
                prompt: request.messages.at(-1)?.content ?? '',
                completion: completion.content ?? '',
              },
              'model call finished',
            );
          }
          if (completion.usage) {
            metrics.modelTokens.inc({ model: requestModel, type: 'input' }, completion.usage.promptTokens);
            metrics.modelTokens.inc({ model: requestModel, type: 'output' }, completion.usage.completionTokens);
          }
          return completion;
        } catch (error) {
          markSpanFailed(span, error);
          metrics.modelRequests.inc({ model: requestModel, outcome: modelOutcome(error) });
          throw error;
        } finally {
          metrics.modelRequestDuration.observe({ model: requestModel }, (performance.now() - startedAt) / 1000);
        }
      }),
  };
}

function modelOutcome(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'HOST_DEADLINE_EXCEEDED':
      return 'timeout';
    case 'HOST_RATE_LIMITED':
      return 'rate_limited';
    case 'HOST_CANCELED':
      return 'canceled';
    default:
      return 'error';
  }
}
