# Dates read as researchers write them: "21 November 2023", "November 2023", "2023".
DATE_FORMAT = "j F Y"
YEAR_MONTH_FORMAT = "F Y"
# A year alone (cases.partial_dates.PartialDate): not one of Django's own formats.
YEAR_FORMAT = "Y"
