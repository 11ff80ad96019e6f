from csadmin.pluginlib import MenuItem

menu = [
    MenuItem("Notes", "notes", "sample.notes.read", order=5),
    MenuItem("Note admin", "notes", "sample.notes.purge", order=6, heading="Administration"),
]
