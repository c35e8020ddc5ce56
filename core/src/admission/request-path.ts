/** The path of a request target, without its query string (what the chat-turn paths are matched against). */
export function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}
