import { TOOL_CALL_ERROR_DEFINITION } from '../../src/tool-calls/tool-call-error-outcomes.js';
import { element } from './dom.js';

/** The note under the plugins' and the metrics' counts saying what an error is (the host's one definition). */
export function errorDefinition(sameAs: string): HTMLElement {
  return element('p', { class: 'error-definition muted', 'data-testid': 'error-definition' }, `Errors: ${TOOL_CALL_ERROR_DEFINITION}. ${sameAs}`);
}
