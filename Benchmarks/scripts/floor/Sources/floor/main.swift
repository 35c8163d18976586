// Prints a JSON array: the least any Swift command-line tool does.
print(#"[{"id":1}]"#)
