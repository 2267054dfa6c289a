/**
 * Every LSP feature of the server, in registration order. To add one: create
 * `server/features/<feature>.ts` exporting a {@link Feature} and list it here.
 * (Diagnostics are not here: they are pushed by `DiagnosticsPublisher`, created by the server.)
 */
import type { Feature } from './feature';
import { completionFeature } from './completion';
import { hoverFeature } from './hover';
import { signatureHelpFeature } from './signatureHelp';
import { definitionFeature } from './definition';
import { referencesFeature } from './references';
import { documentSymbolsFeature } from './documentSymbols';
import { workspaceSymbolsFeature } from './workspaceSymbols';
import { codeActionsFeature } from './codeActions';
import { renameFeature } from './rename';
import { documentHighlightsFeature } from './documentHighlights';
import { codeLensFeature } from './codeLens';
import { editorRequestsFeature } from './editorRequests';
import { textDocumentContentFeature } from './textDocumentContent';
import { diskWatcherFeature } from './diskWatcher';

/** The IDE features (completion, hover, signature help, definition, references, symbols,
 *  code actions, rename), each filtered by access (SPEC 4). */
export const FEATURES: Feature[] = [
  completionFeature,
  hoverFeature,
  signatureHelpFeature,
  definitionFeature,
  referencesFeature,
  documentSymbolsFeature,
  workspaceSymbolsFeature,
  codeActionsFeature,
  renameFeature,
  documentHighlightsFeature,
  codeLensFeature,
  editorRequestsFeature,
  textDocumentContentFeature,
  diskWatcherFeature,
];
