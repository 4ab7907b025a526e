# Dates read as researchers write them: "21 November 2023", "November 2023".
DATE_FORMAT = "j F Y"
YEAR_MONTH_FORMAT = "F Y"
