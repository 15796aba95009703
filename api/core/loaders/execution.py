"""The GraphQL execution context that lets resolvers return DataLoader futures, synchronously.

Derived from graphql-sync-dataloaders 0.1.1's ``DeferredExecutionContext`` (MIT; see
LICENSE-graphql-sync-dataloaders here). graphql-core runs resolvers depth first; a resolver that returns a
`Future` (a DataLoader's ``load``) does not block: the field is completed once the future is settled. After
the operation's fields have queued their keys, the futures' deferred callbacks (each a `Loaders.dispatch_all`)
run their batches, which settles the futures and completes the next level, which queues the next keys, and
so on: one batch per loader and query level, so no request does N+1 queries.

What differs from upstream, beyond type hints:

- ``handle_field_error`` gets the field's path, as graphql-core 3.2.14 requires (upstream called it without,
  so the first field error of a response raised TypeError and failed the whole request);
- an error of a non-null field settled later propagates to the nearest nullable parent, as the GraphQL
  specification says (upstream lost it, leaving the response incomplete); a deferred value of a non-null
  field is checked for null too;
- mutations run serially to the end: a mutation's payload, futures included, is complete before the next
  mutation of the document runs;
- each deferred callback is queued once, not once per future.
"""

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from graphene.types.resolver import dict_or_attr_resolver
from graphql import (
    ExecutionContext as BaseExecutionContext,
)
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    OperationDefinitionNode,
    is_non_null_type,
    located_error,
)
from graphql.execution.execute import get_field_def
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, is_iterable

from .futures import Future, then

Fields = dict[str, list[FieldNode]]


def _copy(source: Future[Any], target: Future[Any]) -> None:
    """Settle ``target`` as ``source`` (settled) is."""
    error = source.exception()
    if error is not None:
        target.set_exception(error)
    else:
        target.set_result(source.result())


def _when_all(futures: list[Future[Any]], build: Callable[[], Any]) -> Future[Any]:
    """A future of ``build()`` once every one of ``futures`` has its value, or of the first exception."""
    combined: Future[Any] = Future()
    remaining = len(futures)

    def one_done(future: Future[Any]) -> None:
        nonlocal remaining
        if combined.done():
            return
        error = future.exception()
        if error is not None:
            combined.set_exception(error)
            return
        remaining -= 1
        if not remaining:
            combined.set_result(build())

    for future in futures:
        future.add_done_callback(partial(one_done, future))
    return combined


def _value(item: Any) -> Any:
    """``item``, or its value if it is a (settled) future."""
    return item.result() if isinstance(item, Future) else item


class ExecutionContext(BaseExecutionContext):
    """graphql-core's execution context, completing fields whose resolvers return `Future`s after their batches."""

    _deferred: deque[Callable[[], None]]
    _queued: set[Callable[[], None]]

    # --- the operation ----------------------------------------------------------------------------------------

    def execute_operation(self, operation: OperationDefinitionNode, root_value: Any) -> Any:
        """Run the operation, then the deferred callbacks until every future is settled.

        A non-null root field's error raises here, and graphql-core reports the whole ``data`` as null.
        """
        self._deferred, self._queued = deque(), set()
        result = super().execute_operation(operation, root_value)
        self._run_deferred()
        if isinstance(result, Future):
            if not result.done():
                raise RuntimeError("Deferred GraphQL execution left a future unsettled.")
            return result.result()
        return result

    def _defer(self, future: Future[Any]) -> None:
        """Queue what settles ``future``, once."""
        callback = future.deferred_callback
        if callback is not None and callback not in self._queued:
            self._queued.add(callback)
            self._deferred.append(callback)

    def _run_deferred(self) -> None:
        """Run the queued deferred callbacks, including those queued while they run."""
        while self._deferred:
            callback = self._deferred.popleft()
            self._queued.discard(callback)
            callback()

    # --- fields -----------------------------------------------------------------------------------------------

    def execute_fields(
        self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None, fields: Fields
    ) -> Any:
        """The values of ``fields``, in order: a dict, or a future of it while some are pending."""
        results: dict[str, Any] = {}
        pending: list[Future[Any]] = []
        for response_name, field_nodes in fields.items():
            field_path = Path(path, response_name, parent_type.name)
            result = self.execute_field(parent_type, source_value, field_nodes, field_path)
            if result is Undefined:
                continue
            if isinstance(result, Future):
                if result.done():
                    result = result.result()  # raises the error of a non-null field: its parent is null
                else:
                    pending.append(result)
            results[response_name] = result
        if not pending:
            return results
        return _when_all(pending, lambda: {name: _value(value) for name, value in results.items()})

    def execute_fields_serially(
        self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None, fields: Fields
    ) -> Any:
        """The values of a mutation's root fields: each one complete, its futures settled, before the next runs."""
        results: dict[str, Any] = {}
        for response_name, field_nodes in fields.items():
            field_path = Path(path, response_name, parent_type.name)
            result = self.execute_field(parent_type, source_value, field_nodes, field_path)
            if isinstance(result, Future):
                self._run_deferred()
                if not result.done():
                    raise RuntimeError("Deferred GraphQL execution left a future unsettled.")
                result = result.result()
            if result is not Undefined:
                results[response_name] = result
        return results

    def execute_field(
        self, parent_type: GraphQLObjectType, source: Any, field_nodes: list[FieldNode], path: Path
    ) -> Any:
        """Resolve one field and complete its value, or return a future of the completed value.

        As graphql-core's, except that the resolver may return a `Future`.
        """
        field_def = get_field_def(self.schema, parent_type, field_nodes[0])
        if not field_def:
            return Undefined
        if self.middleware_manager is None:
            leaf = _plain_leaf(field_def)
            if leaf is not None:
                value = leaf.value_of(source)
                if value is not None and value is not Undefined:
                    return value  # else the full path below, for its error or null
        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver
        if self.middleware_manager:
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)
        info = self.build_resolve_info(field_def, field_nodes, parent_type, path)
        try:
            args = get_argument_values(field_def, field_nodes[0], self.variable_values) if field_def.args else {}
            result = resolve_fn(source, info, **args)
            if isinstance(result, Future):
                if not result.done():
                    self._defer(result)
                    return self._complete_later(result, return_type, field_nodes, info, path)
                result = result.result()
            completed = self.complete_value(return_type, field_nodes, info, path, result)
            if isinstance(completed, Future):
                return self._guard(completed, return_type, field_nodes, path)
            return completed
        except Exception as raw_error:  # noqa: BLE001 - as graphql-core: a field error, with its path
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, return_type, path)
            return None

    # --- values -----------------------------------------------------------------------------------------------

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_nodes: list[FieldNode],
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
    ) -> Any:
        """As graphql-core's, and a non-null field's deferred value is checked for null once it is known."""
        if is_non_null_type(return_type):
            non_null: GraphQLNonNull[Any] = return_type  # type: ignore[assignment]
            completed = self.complete_value(non_null.of_type, field_nodes, info, path, result)
            if isinstance(completed, Future):
                return then(completed, partial(_not_null, info))
            return _not_null(info, completed)
        return super().complete_value(return_type, field_nodes, info, path, result)

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_nodes: list[FieldNode],
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
    ) -> Any:
        """The completed items of a list, or a future of them while some are pending; items may be futures."""
        if not is_iterable(result):
            return super().complete_list_value(return_type, field_nodes, info, path, result)
        item_type = return_type.of_type
        items: list[Any] = []
        pending: list[Future[Any]] = []
        for index, item in enumerate(cast(Iterable[Any], result)):
            item_path = path.add_key(index, None)
            try:
                if isinstance(item, Future) and not item.done():
                    self._defer(item)
                    completed = self._complete_later(item, item_type, field_nodes, info, item_path)
                else:
                    completed = self.complete_value(item_type, field_nodes, info, item_path, _value(item))
                    if isinstance(completed, Future):
                        completed = self._guard(completed, item_type, field_nodes, item_path)
            except Exception as raw_error:  # noqa: BLE001 - as graphql-core: an item error, with its path
                error = located_error(raw_error, field_nodes, item_path.as_list())
                self.handle_field_error(error, item_type, item_path)
                completed = None
            if isinstance(completed, Future):
                if completed.done():
                    completed = completed.result()  # raises the error of a non-null item: the list is null
                else:
                    pending.append(completed)
            items.append(completed)
        if not pending:
            return items
        return _when_all(pending, lambda: [_value(item) for item in items])

    # --- futures of field values ------------------------------------------------------------------------------

    def _complete_later(
        self,
        resolved: Future[Any],
        return_type: GraphQLOutputType,
        field_nodes: list[FieldNode],
        info: GraphQLResolveInfo,
        path: Path,
    ) -> Future[Any]:
        """A future of the completed value of a field (or list item) once its resolver's future is settled."""
        outcome: Future[Any] = Future()

        def on_resolved() -> None:
            try:
                completed = self.complete_value(return_type, field_nodes, info, path, resolved.result())
            except Exception as raw_error:  # noqa: BLE001 - a field error, with its path
                self._fail(outcome, raw_error, return_type, field_nodes, path)
                return
            if isinstance(completed, Future):
                guarded = self._guard(completed, return_type, field_nodes, path)
                guarded.add_done_callback(lambda: _copy(guarded, outcome))
            else:
                outcome.set_result(completed)

        resolved.add_done_callback(on_resolved)
        return outcome

    def _guard(
        self, completed: Future[Any], return_type: GraphQLOutputType, field_nodes: list[FieldNode], path: Path
    ) -> Future[Any]:
        """``completed``, with an exception handled as a field error of the field at ``path``."""
        guarded: Future[Any] = Future()
        guarded.deferred_callback = completed.deferred_callback

        def on_done() -> None:
            error = completed.exception()
            if error is None:
                guarded.set_result(completed.result())
            else:
                self._fail(guarded, error, return_type, field_nodes, path)

        completed.add_done_callback(on_done)
        return guarded

    def _fail(
        self,
        outcome: Future[Any],
        raw_error: Exception,
        return_type: GraphQLOutputType,
        field_nodes: list[FieldNode],
        path: Path,
    ) -> None:
        """Settle ``outcome`` after the field at ``path`` failed: null with the error recorded, or, for a
        non-null field, with the error itself, so that its parent is null instead."""
        error = located_error(raw_error, field_nodes, path.as_list())
        try:
            self.handle_field_error(error, return_type, path)
        except GraphQLError as propagated:
            outcome.set_exception(propagated)
        else:
            outcome.set_result(None)


@dataclass(frozen=True)
class _PlainLeaf:
    """A scalar or enum field without arguments whose resolver is graphene's default (an attribute or key of its
    source of the same name): its value is the source's attribute, serialized, with nothing else to run."""

    attribute: str
    default: Any
    serialize: Callable[[Any], Any]

    def value_of(self, source: Any) -> Any:
        """The serialized value, or None when the full path must run (null, or an error to report)."""
        try:
            if isinstance(source, dict):
                raw = source.get(self.attribute, self.default)
            else:
                raw = getattr(source, self.attribute, self.default)
            if raw is None or isinstance(raw, Future | Exception):
                return None
            serialized = self.serialize(raw)
        except Exception:  # noqa: BLE001 - the full path reports it as a field error
            return None
        return None if serialized is Undefined else serialized


_plain_leaves: dict[int, tuple[GraphQLField, _PlainLeaf | None]] = {}


def _plain_leaf(field: GraphQLField) -> _PlainLeaf | None:
    """``field``'s `_PlainLeaf` if it is one, else None; worked out once per field of the schema (by identity: the
    schema's fields live as long as the process, and each is kept here so that its id is never reused)."""
    known = _plain_leaves.get(id(field))
    if known is not None:
        return known[1]
    leaf: _PlainLeaf | None = None
    resolve = field.resolve
    leaf_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if (
        not field.args
        and isinstance(resolve, partial)
        and resolve.func is dict_or_attr_resolver
        and len(resolve.args) == 2
        and not resolve.keywords
        and isinstance(leaf_type, GraphQLScalarType | GraphQLEnumType)
    ):
        leaf = _PlainLeaf(resolve.args[0], resolve.args[1], leaf_type.serialize)
    _plain_leaves[id(field)] = (field, leaf)
    return leaf


def _not_null(info: GraphQLResolveInfo, value: Any) -> Any:
    """``value``; TypeError (as graphql-core raises) if a non-null field's value is null."""
    if value is None:
        raise TypeError(f"Cannot return null for non-nullable field {info.parent_type.name}.{info.field_name}.")
    return value
