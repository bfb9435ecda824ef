"""Compatibility fix for Debian's azure-cli 2.45, for `npm run bench` only.

Debian packages az 2.45 with a newer azure-mgmt-authorization whose operation groups keep
their configuration as `_config`, while az's role-assignment code reads `.config`
(`'RoleAssignmentsOperations' object has no attribute 'config'`). The bench puts this
directory on PYTHONPATH for az's own process and nothing else; Python imports
`sitecustomize` at start-up, and this one, once a module of `azure.mgmt.authorization` that
defines operation groups is imported, gives each group class a read-only `config` returning
`_config`, makes its public methods take `custom_headers` as the newer SDK's `headers`, and gives a
`RoleAssignmentExists` error the message az 2.45 compares with.
Nothing else is changed.
"""

import functools
import importlib.abc
import importlib.machinery
import sys

_PACKAGE = "azure.mgmt.authorization"
_EXISTS_MESSAGE = "The role assignment already exists."


def _taking_custom_headers(method):
    @functools.wraps(method)
    def call(*args, **kwargs):
        custom = kwargs.pop("custom_headers", None)
        if custom:
            kwargs["headers"] = {**kwargs.get("headers", {}), **custom}
        try:
            return method(*args, **kwargs)
        except Exception as error:
            if getattr(getattr(error, "error", None), "code", None) == "RoleAssignmentExists":
                error.message = _EXISTS_MESSAGE
            raise

    return call


def _add_config(module):
    for value in list(vars(module).values()):
        if not isinstance(value, type) or not value.__name__.endswith("Operations"):
            continue
        if "config" not in dir(value):
            value.config = property(lambda self: self._config)
        for name, member in list(vars(value).items()):
            if not name.startswith("_") and callable(member):
                setattr(value, name, _taking_custom_headers(member))


class _Loader(importlib.abc.Loader):
    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        _add_config(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if not name.startswith(_PACKAGE + ".") or not name.rsplit(".", 1)[-1].endswith(
            "_operations"
        ):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


sys.meta_path.insert(0, _Finder())
