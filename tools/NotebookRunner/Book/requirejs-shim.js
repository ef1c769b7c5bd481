// Plotly.NET's chart snippets call requirejs.config({paths:{plotly: <CDN>}})(['plotly'], draw). This book ships
// plotly.js itself (loaded just before this file), so the shim answers every such call with the local Plotly.
window.requirejs = function (deps, callback) { if (callback) callback(window.Plotly); };
window.requirejs.config = function () { return window.requirejs; };
window.require = window.requirejs;
