"""The composition root for development and demos: the demo dataset (``seed_demo``,
``demo_code``) and ``run_all`` (``make run``). Unlike every other app it may import any app,
config included: building a whole system's data and processes is what it is for."""
