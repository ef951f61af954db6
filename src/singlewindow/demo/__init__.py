"""Demo data and the scripted demo scenario (``singlewindow demo``)."""
