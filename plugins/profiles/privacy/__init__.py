"""A customer's data on request (spec §9): the data export and the erase, as jobs that call
every installed plug-in's declared part (csadmin.pluginlib.CustomerData).

- archive.py: the zip a data export writes, one member at a time;
- parts.py: the profiles plug-in's own part (the profile, extension records, identification
  entries, and earlier data exports of the customer);
- running.py: the jobs' bodies, going through the parts in order;
- requests.py: starting the jobs (checks, 404, the confirmation) and the audit entries;
- jobs.py: the job declarations (registered through the plug-in's tasks module).
"""
