package secretsmanagertest

import (
	"slices"
	"testing"
	"time"
)

func TestValueEqual(t *testing.T) {
	t.Parallel()
	a, b := "a", "b"
	tests := []struct {
		name string
		x, y value
		want bool
	}{
		{"same string", value{str: &a}, value{str: &a}, true},
		{"other string", value{str: &a}, value{str: &b}, false},
		{"same binary", value{bin: []byte{1}}, value{bin: []byte{1}}, true},
		{"other binary", value{bin: []byte{1}}, value{bin: []byte{2}}, false},
		{"string vs binary", value{str: &a}, value{bin: []byte("a")}, false},
		{"empty binary vs none", value{bin: []byte{}}, value{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.x.equal(tt.y); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAddVersionLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stages []string
		// want is the labels of "old" and "new" after adding "new".
		wantOld, wantNew []string
	}{
		{"AWSCURRENT hands AWSPREVIOUS over", nil, []string{StagePrevious, "blue"}, []string{StageCurrent}},
		{"explicit AWSPREVIOUS wins", []string{StagePrevious, StageCurrent}, []string{"blue"}, []string{StageCurrent, StagePrevious}},
		{"label moves", []string{"blue"}, []string{StageCurrent}, []string{"blue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &secret{versions: map[string]*version{}, labels: map[string]string{}}
			s.addVersion(&version{id: "old", created: time.Now()}, []string{StageCurrent, "blue"})
			s.addVersion(&version{id: "new", created: time.Now()}, tt.stages)
			gotOld, gotNew := s.stagesOf("old"), s.stagesOf("new")
			if !slices.Equal(gotOld, tt.wantOld) || !slices.Equal(gotNew, tt.wantNew) {
				t.Errorf("got old=%v new=%v, want old=%v new=%v", gotOld, gotNew, tt.wantOld, tt.wantNew)
			}
		})
	}
}
