"""Operating a deployment, for the school's IT admin: `policybot check` (check.py: is this
server set up right?; reach.py: can it reach Slack and Microsoft?; result.py: one line of its
output), `backup` and `restore` (backup.py). Messages say what is wrong and how to fix it;
they never contain a secret. Nothing is re-exported here: import the module you need.
"""
