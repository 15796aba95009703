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
- each deferred callback is queued once, not once per future;
- what a field needs that is the same for every object of a list (its definition, resolver, arguments, the type
  it unwraps to) is worked out once per operation (`plans.FieldPlan`), and leaves that need no resolve info
  (graphene's default resolver, a node's relay ``id``, a `plans.source_only` resolver) are read and serialized
  without building one, falling back to the full path for a null or an error.
"""

from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, cast

from django.utils.functional import SimpleLazyObject
from graphql import (
    ExecutionContext as BaseExecutionContext,
)
from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    OperationDefinitionNode,
    is_non_null_type,
    located_error,
)
from graphql.execution.execute import invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, is_iterable

from .futures import Future, then
from .plans import FieldPlan, checks_class_only, plan_field

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
        self._field_plans: dict[tuple[GraphQLObjectType, int], tuple[Fields, list[FieldPlan]]] = {}
        self._type_checks: dict[tuple[GraphQLObjectType, type], bool] = {}
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
        for plan in self._plans(parent_type, fields):
            if plan.shortcut is not None:
                value = plan.shortcut.value_of(source_value)
                if value is not None:
                    results[plan.response_name] = value
                    continue  # else the full path, for its null or its error
            result = self._run(plan, source_value, Path(path, plan.response_name, parent_type.name))
            if isinstance(result, Future):
                if result.done():
                    result = result.result()  # raises the error of a non-null field: its parent is null
                else:
                    pending.append(result)
            results[plan.response_name] = result
        if not pending:
            return results
        return _when_all(pending, lambda: {name: _value(value) for name, value in results.items()})

    def execute_fields_serially(
        self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None, fields: Fields
    ) -> Any:
        """The values of a mutation's root fields: each one complete, its futures settled, before the next runs."""
        results: dict[str, Any] = {}
        for plan in self._plans(parent_type, fields):
            result = self._run(plan, source_value, Path(path, plan.response_name, parent_type.name))
            if isinstance(result, Future):
                self._run_deferred()
                if not result.done():
                    raise RuntimeError("Deferred GraphQL execution left a future unsettled.")
                result = result.result()
            results[plan.response_name] = result
        return results

    def execute_field(
        self, parent_type: GraphQLObjectType, source: Any, field_nodes: list[FieldNode], path: Path
    ) -> Any:
        """Resolve one field and complete its value, or return a future of the completed value.

        As graphql-core's, except that the resolver may return a `Future`.
        """
        plan = plan_field(
            self.schema,
            parent_type,
            str(path.key),
            field_nodes,
            self.field_resolver,
            self.middleware_manager,
            self.variable_values,
        )
        return Undefined if plan is None else self._run(plan, source, path)

    def _plans(self, parent_type: GraphQLObjectType, fields: Fields) -> list[FieldPlan]:
        """The plans of ``fields`` on ``parent_type``, made on first use in this operation.

        Keyed on the ``fields`` dict itself: graphql-core collects each selection's fields once per operation
        (``collect_subfields``'s cache), so every object of a list passes the same dict; the dict is kept with its
        plans so that its id is not reused.
        """
        key = (parent_type, id(fields))
        known = self._field_plans.get(key)
        if known is not None:
            return known[1]
        plans = [
            plan
            for name, nodes in fields.items()
            if (
                plan := plan_field(
                    self.schema,
                    parent_type,
                    name,
                    nodes,
                    self.field_resolver,
                    self.middleware_manager,
                    self.variable_values,
                )
            )
            is not None
        ]
        self._field_plans[key] = (fields, plans)
        return plans

    def _run(self, plan: FieldPlan, source: Any, path: Path) -> Any:
        """Execute the field of ``plan`` on ``source``: its completed value, or a future of it."""
        field_nodes, return_type = plan.field_nodes, plan.return_type
        info = self.build_resolve_info(plan.definition, field_nodes, plan.parent_type, path)
        try:
            arguments = plan.arguments
            if arguments is None:
                arguments = get_argument_values(plan.definition, field_nodes[0], self.variable_values)
            result = plan.resolve(source, info, **arguments)
            if isinstance(result, Future):
                if not result.done():
                    self._defer(result)
                    return self._complete_later(result, return_type, field_nodes, info, path)
                result = result.result()
            serialized = plan.serialize_leaf(result)
            if serialized is not Undefined:
                return serialized
            if plan.object_type is not None and result is not None and not isinstance(result, Exception):
                # Never null, so a non-null field needs no check: straight to the object's fields.
                completed = self.complete_object_value(plan.object_type, field_nodes, info, path, result)
            else:
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

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_nodes: list[FieldNode],
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
    ) -> Any:
        """As graphql-core's; graphene-django's ``is_type_of`` is asked once per class of value in an operation."""
        if return_type.is_type_of is None or type(result) is SimpleLazyObject:
            return super().complete_object_value(return_type, field_nodes, info, path, result)
        key = (return_type, type(result))
        is_type = self._type_checks.get(key)
        if is_type is None:
            is_type = bool(return_type.is_type_of(result, info))
            if checks_class_only(return_type):
                self._type_checks[key] = is_type
        if not is_type:
            raise invalid_return_type_error(return_type, result, field_nodes)
        return self.execute_fields(return_type, result, path, self.collect_subfields(return_type, field_nodes))

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


def _not_null(info: GraphQLResolveInfo, value: Any) -> Any:
    """``value``; TypeError (as graphql-core raises) if a non-null field's value is null."""
    if value is None:
        raise TypeError(f"Cannot return null for non-nullable field {info.parent_type.name}.{info.field_name}.")
    return value
