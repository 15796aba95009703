"""Writes. Each function runs in one transaction (its own, or its caller's: `transactions`), takes its row locks
in one order (`locks`), and raises `DomainError` when a rule refuses the change, having written nothing."""
