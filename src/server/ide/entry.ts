// The GraphQL IDE's browser side, bundled by ide-bundle.ts into the one script and style sheet the
// page loads (GraphiQL with its React deps): the editor, the headers editor prefilled with an empty
// bearer token, the schema's docs, and a fetcher that speaks to this server only.
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { createIdeFetcher } from './fetcher.js';
import './page.css';

const WELCOME = `# leadrace's GraphQL IDE. Put your API token in the Authorization header below
# ("Bearer lr_..."); subscriptions over WebSocket use the same header.
# Ctrl-Enter runs the operation; the book icon on the left opens the schema's docs.

{
  me {
    id
    name
    role
  }
}
`;

const root = document.getElementById('graphiql');
if (root) {
  createRoot(root).render(createElement(GraphiQL, {
    fetcher: createIdeFetcher(new URL(location.href)),
    defaultQuery: WELCOME,
    defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
    // The headers editor shows at once: nothing works here without a token.
    defaultEditorToolsVisibility: 'headers',
    // A token typed here is not written to localStorage (GraphiQL's default, said out loud).
    shouldPersistHeaders: false,
  }));
}
