export const id = 628;
export const ids = [628];
export const modules = {

/***/ 3628:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   grantDescription: () => (/* binding */ grantDescription)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2413);
/* harmony import */ var _domain_provenance_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1497);
/**
 * The workflow run behind a grant, from `@actions/github`'s context. Loaded only when an
 * assignment is about to be written (main.ts imports this module lazily), so a re-run that
 * finds the role in place, a check and a dry run never load `@actions/github`.
 */


/** `@actions/github` reads the environment as it is: a variable the runner did not set is undefined. */
function text(value) {
    return typeof value === "string" ? value : "";
}
/** The run, or undefined outside a runner (no run id or repository: the demo, a local run). */
function currentRun() {
    const repository = process.env["GITHUB_REPOSITORY"] ?? "";
    if (!Number.isSafeInteger(_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.runId) || _actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.runId <= 0 || repository === "") {
        return undefined;
    }
    return {
        serverUrl: text(_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.serverUrl),
        repository,
        runId: _actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.runId,
        runAttempt: Number.isSafeInteger(_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.runAttempt) ? _actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.runAttempt : 1,
        workflow: text(_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.workflow),
        ref: text(_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.ref),
        actor: text(_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .context */ ._.actor),
    };
}
function grantDescription(clusterId) {
    return (0,_domain_provenance_js__WEBPACK_IMPORTED_MODULE_1__/* .describeProvenance */ .h)(clusterId, currentRun());
}


/***/ })

};
