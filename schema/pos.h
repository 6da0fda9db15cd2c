/* Where a value of the configuration was written: line and column, 1-based. */
#ifndef TF_POS_H
#define TF_POS_H

struct pos {
	int line, col;
};

#endif
