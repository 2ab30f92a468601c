"""Values returned over XML-RPC (no ORM)."""


def rpc_safe(value):
    """XML-RPC has no None and only string keys."""
    if value is None:
        return False
    if isinstance(value, dict):
        return {str(k): rpc_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rpc_safe(v) for v in value]
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)
