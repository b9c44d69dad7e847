# Read every table of the cartel-directive data package in R, typed from its Table Schemas.
#
#   Rscript examples/read.R [PACKAGE_DIR]     # default: the current folder
#
# Needs R with readr and jsonlite (Debian: apt-get install r-base-core r-cran-readr r-cran-jsonlite).
# The column types are not written here: they are built from datapackage.json and
# schemas/<table>.schema.json, so they follow the package. Stops with an error (exit status 1)
# when a header differs from its schema or a cell is not of its column's type.
suppressPackageStartupMessages({
  library(jsonlite)
  library(readr)
})

args <- commandArgs(trailingOnly = TRUE)
root <- if (length(args) >= 1) args[[1]] else "."

# The allowed values of a field: Data Package v2 `categories` (values, or {value, label} objects),
# else the older `constraints.enum`; NULL when the field has none.
allowed_values <- function(field) {
  if (!is.null(field$categories)) {
    return(vapply(field$categories, function(c) if (is.list(c)) as.character(c$value) else as.character(c), ""))
  }
  if (!is.null(field$constraints$enum)) return(as.character(unlist(field$constraints$enum)))
  NULL
}

# One readr column type per Table Schema field; a field with allowed values becomes a factor
# with those levels, in the declared order (ordered when the schema says `categoriesOrdered`).
col_type <- function(field) {
  levels <- allowed_values(field)
  if (!is.null(levels)) return(col_factor(levels = levels, ordered = isTRUE(field$categoriesOrdered)))
  switch(field$type,
    string = col_character(),
    integer = col_integer(),
    number = col_double(),
    boolean = col_logical(),
    date = col_date(format = "%Y-%m-%d"),
    stop("no readr type for Table Schema type ", field$type)
  )
}

read_table <- function(root, resource) {
  schema <- fromJSON(file.path(root, resource$schema), simplifyVector = FALSE)
  names <- vapply(schema$fields, function(f) f$name, "")
  types <- setNames(lapply(schema$fields, col_type), names)
  file <- file.path(root, resource$path)
  header <- names(read_csv(file, n_max = 0, col_types = cols(.default = col_character()), progress = FALSE))
  if (!identical(header, names)) {
    stop(resource$path, ": the header is not the schema's fields (", paste(names, collapse = ", "), ")")
  }
  df <- read_csv(file, col_types = do.call(cols, types), na = "", progress = FALSE)
  bad <- problems(df)
  if (nrow(bad) > 0) {
    first <- bad[1, ]
    stop(sprintf("%s:%d:%s: %s is not %s (%d problem(s))", resource$path, first$row, names[first$col],
                 first$actual, first$expected, nrow(bad)))
  }
  df
}

package <- fromJSON(file.path(root, "datapackage.json"), simplifyVector = FALSE)
tables <- list()
for (resource in package$resources) {
  tables[[resource$name]] <- read_table(root, resource)
}

for (name in names(tables)) {
  df <- tables[[name]]
  classes <- vapply(df, function(col) class(col)[[1]], "")
  counts <- table(classes)
  cat(sprintf("%-14s %5d rows  %s\n", name, nrow(df),
              paste(sprintf("%s %d", names(counts), counts), collapse = ", ")))
}
# For example: statements with their speakers' names
statements <- merge(tables$statements, tables$actors[, c("actor_id", "name")],
                    by.x = "speaker_id", by.y = "actor_id")
cat(sprintf("statements joined to their speakers: %d rows\n", nrow(statements)))
