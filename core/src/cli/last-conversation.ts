import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** `$XDG_STATE_HOME/acai/last-conversation`, or `~/.local/state/acai/last-conversation`. */
export function lastConversationPath(env: Readonly<Record<string, string | undefined>>): string {
  const stateHome = env.XDG_STATE_HOME && env.XDG_STATE_HOME.trim() !== '' ? env.XDG_STATE_HOME : join(env.HOME ?? homedir(), '.local', 'state');
  return join(stateHome, 'acai', 'last-conversation');
}

/** The id of the conversation `acai chat` used last, if any. */
export async function readLastConversation(path: string): Promise<string | undefined> {
  try {
    const id = (await readFile(path, 'utf8')).trim();
    return id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}

/** Remembers the conversation for `acai chat --continue`. Failures are ignored (read-only homes). */
export async function writeLastConversation(path: string, conversationId: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${conversationId}\n`, 'utf8');
  } catch {
    // Remembering is a convenience; never fail a chat because of it.
  }
}
