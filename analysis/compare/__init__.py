"""`python -m analysis compare BASE NEW`: did a change move the numbers beyond noise?

`refs` picks the two sweeps, `pairing` pairs their cells by what they measured, `metrics`
reads each pair's raw rows, `estimate` and `verdict` judge them (the report's rule, Holm's
correction across everything compared), `page` writes the HTML; `command` is the shell."""
