import type { Logger } from 'pino';
import type { Span } from '@opentelemetry/api';
import type { Completion, CompletionRequest, ModelCallOptions, ModelClient } from '../llm/index.js';
import type { HostMetrics } from './create-metrics.js';
import { recordModelResult, withModelCallSpan } from './gen-ai-spans.js';
import { markSpanFailed, tracingActive } from './with-span.js';

/**
 * Wraps the model adapter so every call gets a GenAI client span (model, token counts, finish
 * reason), RED metrics by model and, at debug level, one log line per call. That line carries the
 * newest prompt message and the completion under `prompt`/`completion`, which the logger replaces
 * with their length unless the operator opted in (LOG_CONTENT=true). The adapter stays free of telemetry.
 */
export function instrumentModelClient(model: ModelClient, metrics: HostMetrics, logger?: Pick<Logger, 'debug' | 'isLevelEnabled'>): ModelClient {
  if (!model.isConfigured || model.model === undefined) return model;
  const requestModel = model.model;
  const spanInput = { system: 'openai', model: requestModel, operation: 'chat' };

  /** The call with its metrics, debug line and, when a span records it, the span's result attributes. */
  const observed = async (request: CompletionRequest, options: ModelCallOptions, span: Span | undefined): Promise<Completion> => {
    const startedAt = performance.now();
    try {
      const completion = await model.complete(request, options);
      if (span !== undefined) {
        recordModelResult(span, {
          inputTokens: completion.usage?.promptTokens,
          outputTokens: completion.usage?.completionTokens,
          finishReasons: completion.finishReason === null ? [] : [completion.finishReason],
          responseModel: completion.model,
        });
      }
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
      if (span !== undefined) markSpanFailed(span, error);
      metrics.modelRequests.inc({ model: requestModel, outcome: modelOutcome(error) });
      throw error;
    } finally {
      metrics.modelRequestDuration.observe({ model: requestModel }, (performance.now() - startedAt) / 1000);
    }
  };

  return {
    isConfigured: model.isConfigured,
    model: model.model,
    tokenCounter: model.tokenCounter,
    // Without a tracer provider the span would record nothing: skip its layer (a promise and a context
    // switch per call) and go straight to the metrics. Checked per call, like withSpan.
    complete: (request, options) =>
      tracingActive() ? withModelCallSpan(spanInput, (span) => observed(request, options, span)) : observed(request, options, undefined),
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
