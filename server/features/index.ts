/**
 * Every LSP feature of the server, in registration order. To add one: create
 * `server/features/<feature>.ts` exporting a {@link Feature} and list it here.
 * (Diagnostics are not here: they are pushed by `DiagnosticsPublisher`, created by the server.)
 */
import type { Feature } from './feature';

/** The IDE features (completion, hover, signature help, definition, references, symbols,
 *  code actions, rename), each filtered by access (SPEC 4). */
export const FEATURES: Feature[] = [];
