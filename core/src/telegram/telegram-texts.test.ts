import { describe, expect, it } from 'vitest';
import { TwirpClientError } from '../client/index.js';
import { APOLOGY_GENERIC, APOLOGY_REJECTED, APOLOGY_UNAVAILABLE, apologyFor, HELP_TEXT, startGreeting } from './telegram-texts.js';

describe('apologyFor', () => {
  it('asks to retry later for transient chat-service failures', () => {
    expect(apologyFor(new TwirpClientError('unavailable', 'down', { httpStatus: 503 }))).toBe(APOLOGY_UNAVAILABLE);
  });

  it('asks to rephrase when the message itself was refused', () => {
    expect(apologyFor(new TwirpClientError('invalid_argument', 'too long', { httpStatus: 400 }))).toBe(APOLOGY_REJECTED);
    expect(apologyFor(new TwirpClientError('out_of_range', 'too long', { httpStatus: 400 }))).toBe(APOLOGY_REJECTED);
  });

  it('says something went wrong for anything else, never the error text', () => {
    for (const error of [new TwirpClientError('internal', 'stack at mongodb://u:p@h', { httpStatus: 500 }), new Error('boom'), 'boom', undefined]) {
      expect(apologyFor(error)).toBe(APOLOGY_GENERIC);
    }
  });
});

describe('startGreeting', () => {
  it('greets by first name and lists the tools, escaping what users and plugins wrote', () => {
    const html = startGreeting('<Ada & co>', [{ name: 'weather__get_forecast', description: 'Forecast for a <city>' }]);
    expect(html).toContain('<b>Hi, &lt;Ada &amp; co&gt;!</b>');
    expect(html).toContain('• <code>weather__get_forecast</code> — Forecast for a &lt;city&gt;');
    expect(html.endsWith(HELP_TEXT)).toBe(true);
  });

  it('leaves the tool list out when there are no tools, and the name when there is none', () => {
    const html = startGreeting(undefined, []);
    expect(html.startsWith('<b>Hi!</b>')).toBe(true);
    expect(html).not.toContain('I can use these tools');
  });
});
