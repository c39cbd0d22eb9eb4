module github.com/trustelem/zxcvbn

require github.com/dlclark/regexp2 v1.12.0
