/**
 * The VS Code client (SPEC 5). Placeholder so that the build produces `dist/extension.js` and the
 * real-VS-Code harness (`npm run test:vscode`) has something to activate; replaced by the real
 * client (language client, `modules` FileSystemProvider, views, commands).
 */
import type * as vscode from 'vscode';

/** Called by VS Code on the first activation event of package.json. */
export function activate(_context: vscode.ExtensionContext): void {}

/** Called by VS Code when the extension is deactivated. */
export function deactivate(): void {}
