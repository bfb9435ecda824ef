const missing = () => new Error("undici is not bundled with this action.");
exports.ProxyAgent = class ProxyAgent { constructor() { throw missing(); } };
exports.fetch = () => Promise.reject(missing());
