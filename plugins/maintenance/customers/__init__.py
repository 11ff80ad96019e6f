"""Customer profiles in bulk (Context Services API §8): the profiles stream, the export job
(`customers` as JSON or CSV) and the import job (mode, match, dry run, max errors). Built on
the services import's pieces (readers, error report, uploads, job reporter) and on the
profiles plug-in's public bulk module, `plugins.profiles.bulk`, which checks each row by the
very rules of `POST /profiles`."""
