// Every float through gembench_expf_n on each vector path against the scalar gembench_expf:
// the lanes repeat its operations, so they must agree on all 2^32 inputs (80 s here).
//   cc -O2 -ffp-contract=off -I Sources/CKernels/include -I Sources/CKernels Sources/CKernels/*.c \
//      Tests/kernels/exp_lanes_check.c -lm -o exp_lanes_check && ./exp_lanes_check
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "CKernels.h"
int main(void) {
  const gembench_path paths[]={GEMBENCH_PATH_AVX2,GEMBENCH_PATH_AVX512};
  static float x[1<<16], y[1<<16];
  for(int pi=0;pi<2;pi++){ if(!gembench_path_available(paths[pi])) continue; gembench_set_path(paths[pi]); long bad=0;
    for(uint64_t base=0; base<(1ull<<32); base+=1<<16){
      for(int i=0;i<1<<16;i++){uint32_t u=(uint32_t)(base+i); memcpy(&x[i],&u,4);}
      gembench_expf_n(1<<16,x,y);
      for(int i=0;i<1<<16;i++){float e=gembench_expf(x[i]); if(memcmp(&e,&y[i],4)){ if(bad<5){uint32_t u;memcpy(&u,&x[i],4);printf("  %08x: %a vs %a\n",u,y[i],e);} bad++;}}
    }
    printf("%s: %ld of 2^32 floats differ from gembench_expf\n", gembench_path_name(paths[pi]), bad);}
}
