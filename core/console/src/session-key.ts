// The signed-in API key lives in memory and in sessionStorage only: it survives a reload of this tab,
// is gone when the tab closes, is never shared with other tabs, and is never written to localStorage
// or a cookie (so no request carries it unless the console adds the header itself).

const STORAGE_KEY = 'acai.console.api-key';

let memoryKey: string | undefined;

/** The key of this tab's session, if signed in with one. */
export function readSessionKey(): string | undefined {
  if (memoryKey !== undefined) return memoryKey;
  try {
    memoryKey = window.sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    // Storage can be blocked (privacy settings); the key then lives in memory only.
  }
  return memoryKey;
}

/** Remembers the key for this tab (after the host accepted it). */
export function storeSessionKey(key: string): void {
  memoryKey = key;
  try {
    window.sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Memory only, see readSessionKey.
  }
}

/** Forgets the key (sign-out, or the host stopped accepting it). */
export function clearSessionKey(): void {
  memoryKey = undefined;
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}
