// Package config loads the help desk's YAML configuration: the main file
// (helpdesk.yaml) and the FAQ files it names. It expands ${ENV} references,
// fills defaults, validates everything and reports every problem as
// file:line: message, and watches the files so a running bot can reload them.
//
// config is a leaf package: it must not import any other package of this
// module, nor a platform SDK or a database driver.
package config
