"""Signals one plug-in sends and others may receive, without importing each other."""

from django.dispatch import Signal

# Sent by the plug-in that records service, state and task events, inside the transaction
# that stores new ones, with `tenant` and `events` (a list of
# csadmin.pluginlib.EventDocument). A receiver that writes joins that transaction, so
# what it writes exists exactly when the events do; one that only needs to act after the
# commit (event delivery tells its workers) uses transaction.on_commit and costs the call
# nothing. The events themselves are read later through csadmin.pluginlib.feeds.
events_recorded = Signal()
