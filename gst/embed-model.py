#!/usr/bin/env python3
# Turns a model file into a C array so the plugin carries its default model.
# Usage: embed-model.py INPUT.onnx OUTPUT.c
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, 'rb') as f:
        data = f.read()
    with open(dst, 'w') as out:
        out.write('/* Generated from the shipped model by embed-model.py. */\n')
        out.write('#include <stddef.h>\n\n')
        out.write('const size_t ec_builtin_model_size = %d;\n' % len(data))
        out.write('const unsigned char ec_builtin_model[%d] '
                  '__attribute__ ((aligned (16))) = {\n' % max(len(data), 1))
        for i in range(0, len(data), 16):
            chunk = data[i:i + 16]
            out.write('  ' + ', '.join('%d' % b for b in chunk) + ',\n')
        out.write('};\n')


if __name__ == '__main__':
    main()
