module.exports = () => Promise.reject(new Error("Opening a browser is not part of this action."));
