"""Places: PC4 postcodes and place names of a region, the GeoNames importer, and geocoding by address.

- :mod:`.geonames`: reading a GeoNames postal-code file and flagging the rows not to trust;
- :mod:`.cli`: the ``zcc import-postcodes`` command;
- :mod:`.names`: full postcodes to PC4, and place names (case- and accent-insensitive) to coordinates;
- :mod:`.geocoder`: the geocoder interface, PDOK Locatieserver and the PC4 table behind it.
"""
