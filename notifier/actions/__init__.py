"""Every change to state, one function each: the command line, the office's pages and the chat
bots call these and nothing else to change what is stored. Each is one transaction that ends in
the track sync (``base.change``)."""

from notifier.actions import answers, explanations, extensions, links, plans, tasks, units, users

__all__ = ["answers", "explanations", "extensions", "links", "plans", "tasks", "units", "users"]
