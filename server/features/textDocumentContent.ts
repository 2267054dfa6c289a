/**
 * LSP 3.18 `workspace/textDocumentContent` for `module-interface://` and `modules://` URIs
 * (issue 13, "any LSP editor"): an editor without the Protected Modules client (Neovim's built-in
 * client, …) reads interface documents — where go to definition and references of a contractor
 * land — and module files through the server, with the same decision as
 * `protectedModules/readFile` (SPEC 4, 4.1): the answer is `readFile`'s text, its errors are
 * `readFile`'s errors (PermissionDenied, FileNotFound for hidden and missing alike).
 *
 * Whether such a document may be changed is `protectedModules/access` (`canWrite`) or
 * `protectedModules/readFile` (`readonly`); LSP's result has only the text.
 */
import { TextDocumentContentRequest, type TextDocumentContentParams, type TextDocumentContentResult } from 'vscode-languageserver';
import { INTERFACE_SCHEME, MODULES_SCHEME } from '../../shared/protocol';
import { invalidParams } from '../errors';
import type { Feature } from './feature';

export const textDocumentContentFeature: Feature = {
  name: 'textDocumentContent',
  capabilities: () => ({ workspace: { textDocumentContent: { schemes: [INTERFACE_SCHEME, MODULES_SCHEME] } } }),
  register({ connection, files, safe }) {
    connection.onRequest(
      TextDocumentContentRequest.type,
      safe(TextDocumentContentRequest.method, (params: TextDocumentContentParams): TextDocumentContentResult => {
        if (!params || typeof params.uri !== 'string') throw invalidParams('workspace/textDocumentContent needs { uri: string }.');
        return { text: files.readFile(params.uri).text };
      }),
    );
  },
};
