// The web app's entry: bundled by the server (web-app-bundle.ts) with its style sheet into the one
// script and style sheet the page at GET / loads.
import { createRoot } from 'react-dom/client';
import { App } from './ui/app.js';
import './app.css';

const root = document.getElementById('app');
if (root) createRoot(root).render(<App />);
