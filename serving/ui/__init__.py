"""The HR page at ``/ui/``: server-rendered HTML, one small script, no build step."""
