// Entry of the web console bundle (see index.html).
import { startConsole } from './console-app.js';

const root = document.getElementById('app');
if (root !== null) void startConsole(root);
