"""Reading workbooks and CSV folders into validated DataFrames; the sample portfolio."""
