package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestUsageListsEveryCommand reads the command switch of Main.Run and requires each command it
// dispatches in the usage text, so a new command cannot be left out of parley's help.
func TestUsageListsEveryCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "Run" || fn.Recv == nil {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						name, _ := strconv.Unquote(lit.Value)
						names = append(names, name)
					}
				}
			}
			return true
		})
		return false
	})
	if len(names) < 10 {
		t.Fatalf("found %d commands in Main.Run (%v): the switch was not read", len(names), names)
	}
	for _, name := range names {
		if strings.HasPrefix(name, "-") || name == "help" {
			continue // flags and help print the usage itself
		}
		if !strings.Contains(usage, "parley "+name+" ") && !strings.Contains(usage, "parley "+name+"\n") {
			t.Errorf("command %q is dispatched by Main.Run but missing from the usage text", name)
		}
	}
}
