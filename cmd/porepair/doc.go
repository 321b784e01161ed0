// Command porepair diagnoses and repairs Microsoft Mail for PC Networks
// 3.x postoffices whose gateway access component no longer routes mail
// (KB Q135031). See README.md and `porepair docs --markdown`.
package main
