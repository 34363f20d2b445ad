"""One-off price migration, written years ago for Python 2 and never ported."""

import csv

for row in csv.reader(open("prices.csv")):
    print "updating", row[0]
