const missing = () => new Error("undici is not bundled with this action.");
exports.ProxyAgent = class ProxyAgent {
  dispatch() { throw missing(); }
  close() { return Promise.resolve(); }
  destroy() { return Promise.resolve(); }
};
exports.fetch = () => Promise.reject(missing());
